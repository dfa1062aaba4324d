# calls: catch syscall write (entry and return of printf's write), then on to the exit.
unset environment LD_PRELOAD
unset environment REDOX_PROC_EMU
catch syscall write
run
bt 1
continue
delete
continue
