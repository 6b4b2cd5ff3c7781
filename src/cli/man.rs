//! The `latchkey(8)` manual page in roff, written from the clap definition itself by
//! the hidden `latchkey man` command, so the page and `--help` never disagree. The
//! Debian package runs it at build time (`dist/deb/build`).

use clap::{Arg, Command};
use std::fmt::Write;

/// Escapes text for roff: backslashes, hyphens (so they are not hyphenation points),
/// and a leading dot or quote, which roff would read as a request.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    match escaped.starts_with(['.', '\'']) {
        true => format!("\\&{escaped}"),
        false => escaped,
    }
}

fn options(out: &mut String, args: Vec<&Arg>) {
    for arg in args {
        let Some(long) = arg.get_long() else { continue };
        let value = arg
            .get_value_names()
            .filter(|_| arg.get_action().takes_values())
            .and_then(|v| v.first())
            .map(|v| format!(" \\fI{}\\fR", roff(v)))
            .unwrap_or_default();
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let _ = write!(
            out,
            ".TP\n\\fB\\-\\-{}\\fR{value}\n{}\n",
            roff(long),
            roff(&help)
        );
    }
}

fn commands(out: &mut String, prefix: &str, command: &Command) {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{prefix} {}", sub.get_name());
        if sub.has_subcommands() {
            commands(out, &name, sub);
            continue;
        }
        let positionals: String = sub
            .get_positionals()
            .map(|p| format!(" \\fI{}\\fR", roff(&p.get_id().as_str().to_uppercase())))
            .collect();
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        let _ = write!(
            out,
            ".TP\n\\fB{}\\fR{positionals}\n{}\n",
            roff(&name),
            roff(&about)
        );
        let own: Vec<&Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_global_set() && !a.is_positional())
            .collect();
        if !own.is_empty() {
            out.push_str(".RS\n");
            options(out, own);
            out.push_str(".RE\n");
        }
    }
}

/// The whole page.
pub fn page(command: &Command) -> String {
    let mut out = format!(
        ".TH LATCHKEY 8 \"\" \"latchkey {}\" \"System Administration\"\n.SH NAME\nlatchkey \\- {}\n",
        env!("CARGO_PKG_VERSION"),
        roff("a single-binary single-sign-on appliance (OAuth 2.0, OpenID Connect)")
    );
    out.push_str(".SH SYNOPSIS\n\\fBlatchkey\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n");
    out.push_str(concat!(
        ".SH DESCRIPTION\nlatchkey serves HTTPS as an OpenID provider for several tenants, ",
        "exchanges partner access tokens, and brokers sign-ins to upstream identity providers. ",
        "The Debian package runs it as the systemd service \\fBlatchkey.service\\fR with its ",
        "data in \\fI/var/lib/latchkey\\fR; its first admin token is written once to ",
        "\\fI/var/lib/latchkey/admin\\-token\\fR.\n.SH COMMANDS\n"
    ));
    commands(&mut out, "latchkey", command);
    out.push_str(".SH OPTIONS\nThese options follow any command; flags override ");
    out.push_str("\\fBLATCHKEY_*\\fR environment variables, which override the file.\n");
    let global = command
        .get_subcommands()
        .find(|s| s.get_name() == "serve")
        .map(|s| s.get_arguments().filter(|a| a.is_global_set()).collect())
        .unwrap_or_default();
    options(&mut out, global);
    out.push_str(concat!(
        ".SH FILES\n.TP\n\\fI/etc/latchkey/appliance.toml\\fR\nThe configuration read by the service.\n",
        ".TP\n\\fI/var/lib/latchkey\\fR\nThe data dir: store, keys, TLS files, scheduled backups.\n",
        ".SH SEE ALSO\n\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1), ",
        "\\fI/usr/share/doc/latchkey\\fR\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_page_lists_every_visible_command_and_option() {
        let page = page(&crate::cli::Cli::command());
        assert!(page.starts_with(".TH LATCHKEY 8 "));
        for expected in [
            "\\fBlatchkey serve\\fR",
            "\\fBlatchkey admin create\\-token\\fR",
            "\\fBlatchkey tls regenerate\\fR",
            "\\fBlatchkey verify\\-backup\\fR \\fIFILE\\fR",
            "\\fB\\-\\-include\\-tls\\fR\n",
            "\\fB\\-\\-data\\-dir\\fR \\fIDIR\\fR",
        ] {
            assert!(page.contains(expected), "{expected} missing:\n{page}");
        }
        assert!(
            !page.contains("latchkey man"),
            "the hidden command stays hidden"
        );
        assert!(page.lines().all(|l| !l.starts_with('\'')));
    }
}
