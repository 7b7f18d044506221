fn main() -> std::process::ExitCode {
    // SAFETY: the first statement of `main`: no other thread exists yet (memgate starts its
    // threads, and children, only in the commands below), as `take_tokens` requires.
    unsafe { memgate::github::secrets::take_tokens() };
    memgate::commands::run()
}
