# sleeper: attached with -p; bt, then detach (the program goes on sleeping).
bt
detach
