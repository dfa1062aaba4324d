# sleeper: attached with -p; then kill.
bt 1
kill
