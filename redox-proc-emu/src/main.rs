//! `redox-proc-emu -- PROGRAM [ARGS...]`: serve the Redox v2020 `proc:` scheme to PROGRAM.

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--") {
        args.remove(0);
    }
    if args.is_empty() {
        eprintln!("usage: redox-proc-emu -- PROGRAM [ARGS...]");
        std::process::exit(2);
    }
    let program = args.remove(0);
    std::process::exit(redox_proc_emu::run(&program, &args));
}
