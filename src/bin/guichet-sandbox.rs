//! The sandbox providers' command line: `guichet-sandbox --port 4010`.
//!
//! Prints the base URLs and the accepted test credentials, then (with `--verbose`) one
//! line per request. Ctrl-C stops it cleanly.

use std::process::ExitCode;

use guichet::sandbox::{Command, Sandbox, SandboxConfig, USAGE};

#[tokio::main]
async fn main() -> ExitCode {
    let command =
        SandboxConfig::from_args(std::env::args().skip(1), |name| std::env::var(name).ok());
    let config = match command {
        Ok(Command::Run(config)) => *config,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            eprintln!("guichet-sandbox: {why}");
            return ExitCode::from(2);
        }
    };
    let credentials = config.credentials.clone();
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(why) => {
            eprintln!("guichet-sandbox: cannot listen on 127.0.0.1: {why}");
            return ExitCode::FAILURE;
        }
    };
    for line in sandbox.endpoints().banner(&credentials) {
        println!("{line}");
    }
    if let Err(why) = tokio::signal::ctrl_c().await {
        eprintln!("guichet-sandbox: cannot wait for Ctrl-C: {why}");
    }
    println!("stopping");
    sandbox.stop().await;
    ExitCode::SUCCESS
}
