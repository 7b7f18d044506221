fn main() -> std::process::ExitCode {
    memgate::cli::run()
}
