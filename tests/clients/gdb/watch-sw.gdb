# calls: a software watchpoint (single-stepping) on a global written in a loop.
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
set can-use-hw-watchpoints 0
break sum_squares
run
watch total
continue
continue
delete
continue
