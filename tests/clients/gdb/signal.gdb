# sig: SIGUSR1 stops the program (handle), then `signal 0` discards it: the handler never runs.
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
handle SIGUSR1 stop print
run
bt 1
signal 0
