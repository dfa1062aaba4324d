# forks: detach-on-fork off keeps both processes under gdb; the child stops at child_work,
# is detached from there, and the parent goes on through its exec to SIGUSR1.
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
set detach-on-fork off
set schedule-multiple on
break child_work
run > /dev/null
info inferiors
bt
detach inferiors 2
inferior 1
continue
info inferiors
