# calls: break, run, bt, finish, next, step, stepi, x/3i $pc, info registers, print, set var,
# continue to the exit status.
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
break square
run
bt
finish
next
next
next
step
bt
stepi
x/3i $pc
info registers
print x
next
set var r = 25
print r
finish
print total
delete
continue
