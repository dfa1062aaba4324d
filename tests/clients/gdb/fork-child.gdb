# forks: follow-fork-mode child; the parent is detached and goes on (exec, SIGUSR1, exit 4).
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
set follow-fork-mode child
break child_work
run > /dev/null
bt
print x
continue
