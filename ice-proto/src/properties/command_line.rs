//! Command-line options (`--Prefix.Name=value`) and the configuration files named by
//! `Ice.Config`.

use super::{Properties, PropertiesError};
use crate::split::split_quoted;

/// The property prefixes that Ice 3.7 reads from the command line on its own
/// ([`Properties::parse_ice_command_line_options`]).
pub const RESERVED_PREFIXES: &[&str] = &[
    "Ice",
    "IceMX",
    "IceDiscovery",
    "IceLocatorDiscovery",
    "IceBox",
    "IceBoxAdmin",
    "IceBridge",
    "IceGridAdmin",
    "IceGrid",
    "IcePatch2",
    "IcePatch2Client",
    "IceSSL",
    "IceStormAdmin",
    "IceBT",
    "Glacier2",
    "Freeze",
];

/// Where the configuration files named by `Ice.Config` come from. This keeps [`Properties`]
/// free of IO; [`FileSystem`] is the ordinary implementation.
pub trait ConfigFiles {
    /// The `ICE_CONFIG` environment variable, consulted when `Ice.Config` is unset or `1`.
    fn ice_config_env(&self) -> Option<String>;

    /// The text of the configuration file `path`.
    fn read(&mut self, path: &str) -> Result<String, PropertiesError>;
}

/// Reads configuration files with `std::fs` and `ICE_CONFIG` from the process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSystem;

impl ConfigFiles for FileSystem {
    fn ice_config_env(&self) -> Option<String> {
        std::env::var("ICE_CONFIG").ok().filter(|v| !v.is_empty())
    }

    fn read(&mut self, path: &str) -> Result<String, PropertiesError> {
        std::fs::read_to_string(path)
            .map_err(|source| PropertiesError::Unreadable { path: path.into(), source })
    }
}

impl Properties {
    /// Builds properties from a program's arguments the way Ice's `createProperties(args)`
    /// does, returning them and the arguments left over:
    ///
    /// 1. start from `defaults`; `Ice.ProgramName` becomes the first argument unless set;
    /// 2. `--Ice.Config=files` options are taken out of the arguments;
    /// 3. the files of `Ice.Config` (comma-separated, loaded in order) are read through
    ///    `files` ([`Properties::load_config`]), unless `defaults` already named them and the
    ///    command line did not;
    /// 4. options with a [`RESERVED_PREFIXES`] prefix are taken out and override the files.
    pub fn from_args<I, S>(
        args: I,
        defaults: Properties,
        files: &mut impl ConfigFiles,
    ) -> Result<(Properties, Vec<String>), PropertiesError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut props = defaults;
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        if props.get("Ice.ProgramName").is_none() {
            if let Some(program) = args.first() {
                // Backslashes would confuse loggers that treat the name as a path.
                props.set("Ice.ProgramName", &program.replace('\\', "/"))?;
            }
        }

        let mut rest = Vec::with_capacity(args.len());
        let mut config_on_command_line = false;
        for arg in args {
            if arg.starts_with("--Ice.Config") {
                props.apply_option(&arg);
                config_on_command_line = true;
            } else {
                rest.push(arg);
            }
        }
        if config_on_command_line || props.get("Ice.Config").is_none() {
            props.load_config(files)?;
        }
        let rest = props.parse_ice_command_line_options(rest);
        Ok((props, rest))
    }

    /// Loads the configuration files listed in `Ice.Config` (Ice's `loadConfig`): a
    /// comma-separated list, loaded in order so that later files override earlier ones. When
    /// `Ice.Config` is unset or `1`, the `ICE_CONFIG` environment variable (from `files`) is
    /// used instead. Afterwards `Ice.Config` holds the list that was loaded.
    pub fn load_config(&mut self, files: &mut impl ConfigFiles) -> Result<(), PropertiesError> {
        let mut list = self.get("Ice.Config").unwrap_or_default().to_owned();
        if list.is_empty() || list == "1" {
            if let Some(env) = files.ice_config_env().filter(|v| !v.is_empty()) {
                list = env;
            }
        }
        if list.is_empty() {
            return Ok(());
        }
        // A quote left open still yields the names before it, as in Ice.
        let names = split_quoted(&list, |c| c == ',').unwrap_or_else(|names| names);
        for name in names {
            let contents = files.read(name.trim_matches([' ', '\t', '\r', '\n']))?;
            self.load_str(&contents);
        }
        self.set("Ice.Config", &list)
    }

    /// Takes the options `--prefix.Name=value` out of `args` and sets them (Ice's
    /// `parseCommandLineOptions`), returning the other arguments in order. `--prefix.Name`
    /// alone means `prefix.Name=1`; the text after `--` follows configuration-file syntax.
    /// An empty `prefix` takes every `--` option.
    pub fn parse_command_line_options<I, S>(&mut self, prefix: &str, args: I) -> Vec<String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut option_start = format!("--{prefix}");
        if !prefix.is_empty() && !prefix.ends_with('.') {
            option_start.push('.');
        }
        let mut rest = Vec::new();
        for arg in args {
            let arg = arg.into();
            if arg.starts_with(&option_start) {
                self.apply_option(&arg);
            } else {
                rest.push(arg);
            }
        }
        rest
    }

    /// Takes every option with one of Ice's [`RESERVED_PREFIXES`] out of `args` (Ice's
    /// `parseIceCommandLineOptions`), returning the other arguments.
    pub fn parse_ice_command_line_options<I, S>(&mut self, args: I) -> Vec<String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut rest: Vec<String> = args.into_iter().map(Into::into).collect();
        for prefix in RESERVED_PREFIXES {
            rest = self.parse_command_line_options(prefix, rest);
        }
        rest
    }

    /// Applies `--Name=value` (or `--Name`, meaning `Name=1`).
    fn apply_option(&mut self, option: &str) {
        let body = option.strip_prefix("--").unwrap_or(option);
        if option.contains('=') {
            self.apply_line(body);
        } else {
            self.apply_line(&format!("{body}=1"));
        }
    }
}
