# threads: two threads parked in pause(), main stopped in all_started.
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
break all_started
run
info threads
thread apply all bt
continue
