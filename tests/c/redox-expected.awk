# Prints what a program of the suite must print on Redox: its Linux expectation with the
# documented differences applied.
#
#   awk -f redox-expected.awk expected/NAME.stdout expected/redox/NAME.diff
#
# The difference file is a list of hunks, applied in order: `# reason` lines, then `-line`s
# (consecutive lines of the expectation, found from where the previous hunk ended), then the
# `+line`s that replace them. `!exit N` (the exit code the run ends with) and `!skip` (the
# program cannot run there) are not output; `make check` reads them itself. The same rules as
# `apply_redox_diff` in ctest/src/lib.rs, which checks that both agree.
FNR == NR {
    out[++n] = $0
    next
}
/^#/ || /^!/ || /^[ \t]*$/ {
    if (nminus > 0 || nplus > 0)
        apply()
    next
}
/^-/ {
    if (nplus > 0)
        apply()
    minus[++nminus] = substr($0, 2)
    next
}
/^\+/ {
    plus[++nplus] = substr($0, 2)
    next
}
{
    print FILENAME ": unexpected line: " $0 > "/dev/stderr"
    failed = 1
    exit 1
}
function apply(    i, j, at, ok, m, k) {
    at = 0
    for (i = from + 1; i + nminus - 1 <= n && !at; i++) {
        ok = 1
        for (j = 1; j <= nminus && ok; j++)
            if (out[i + j - 1] != minus[j])
                ok = 0
        if (ok)
            at = i
    }
    if (!at) {
        print FILENAME ": lines not found: " minus[1] > "/dev/stderr"
        failed = 1
        exit 1
    }
    # Replace out[at .. at+nminus-1] with plus[1..nplus].
    m = 0
    for (k = 1; k < at; k++)
        res[++m] = out[k]
    for (k = 1; k <= nplus; k++)
        res[++m] = plus[k]
    for (k = at + nminus; k <= n; k++)
        res[++m] = out[k]
    for (k = 1; k <= m; k++)
        out[k] = res[k]
    n = m
    from = at + nplus - 1
    nminus = 0
    nplus = 0
}
END {
    if (failed)
        exit 1
    if (nminus > 0 || nplus > 0)
        apply()
    if (failed)
        exit 1
    for (k = 1; k <= n; k++)
        print out[k]
}
