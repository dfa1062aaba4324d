# forks: follow the parent (the default) over the fork, then through its exec and SIGUSR1.
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
break forks.c:42
run
print (status >> 8) & 0xff
continue
continue
