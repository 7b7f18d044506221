fn main() -> std::process::ExitCode {
    memgate::commands::run()
}
