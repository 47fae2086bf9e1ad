# Sourced by the scripts that start servers. `cleanup_on_exit FUNCTION` runs FUNCTION once when the script ends,
# however it ends: normally, on an error, on Ctrl-C (exit 130) or on TERM (exit 143). Further interrupts are ignored
# while it runs, so a second Ctrl-C cannot cut the cleanup short and leave servers running.
cleanup_on_exit() {
    cleanup_on_exit_function=$1
    trap cleanup_on_exit_run EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

cleanup_on_exit_run() {
    trap '' INT TERM
    trap - EXIT
    "$cleanup_on_exit_function"
}
