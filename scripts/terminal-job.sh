# Sourced by the tests that run the quick start's demo as a terminal would (demo-interrupt-test.sh,
# stack-alert-test.sh). `start_terminal_job LOG COMMAND...` starts COMMAND in a process group of its own (its pid,
# in $job) with SIGINT at its default disposition (a background job of a script would inherit it ignored, and bash
# cannot trap an ignored signal), output to LOG; `stop_terminal_job` presses Ctrl-C on that group, if it still runs,
# and waits up to 60 s for it to end.
start_terminal_job() {
    local log=$1
    shift
    python3 -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])
' "$@" >"$log" 2>&1 &
    job=$!
}

stop_terminal_job() {
    if [ -n "${job:-}" ] && kill -0 "$job" 2>/dev/null; then
        kill -INT -- "-$job" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$job" 2>/dev/null || break; sleep 0.2; done
    fi
}
