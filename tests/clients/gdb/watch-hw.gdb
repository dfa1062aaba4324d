# calls: a hardware watchpoint on a global written in a loop.
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
break sum_squares
run
watch total
continue
continue
continue
bt
delete
continue
