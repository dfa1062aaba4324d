# forks: catch fork and catch exec, then through SIGUSR1 to the exit.
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
catch fork
catch exec
run
continue
continue
continue
