//! The `[data]` table of the agent's configuration: the data channel (Z2).

use serde::Deserialize;
use std::net::Ipv4Addr;
use std::time::Duration;

/// The data channel's idle time when the configuration names none (the reference's
/// five minutes).
pub(crate) const DEFAULT_IDLE_SECS: u64 = 300;

fn default_tun() -> String {
    "postern0".into()
}

fn default_tun_address() -> Ipv4Addr {
    Ipv4Addr::new(100, 64, 0, 1)
}

fn default_idle_secs() -> u64 {
    DEFAULT_IDLE_SECS
}

/// The data channel's settings; without a `[data]` table the agent keeps only the control
/// channel and touches no interface or route.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DataSettings {
    /// The gateway's AppTunnel listener, `HOST:PORT`; its certificate must name the
    /// control channel's host.
    pub(crate) apptunnel: String,
    /// The TUN interface the agent creates (at most 15 bytes).
    #[serde(default = "default_tun")]
    pub(crate) tun: String,
    /// The TUN interface's address (the source of the endpoint's protected flows).
    #[serde(default = "default_tun_address")]
    pub(crate) tun_address: Ipv4Addr,
    /// Seconds without a byte carried after which the data channel closes (1 or more).
    #[serde(default = "default_idle_secs")]
    pub(crate) idle_secs: u64,
    /// A testing aid: packets dropped and corrupted between the TUN and the stack
    /// (`[data.faults]`); absent, none.
    #[serde(default)]
    pub(crate) faults: Option<super::faults::FaultSettings>,
}

impl DataSettings {
    /// What is wrong with the settings, if anything.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.tun.is_empty() || self.tun.len() > 15 || self.tun.contains(['/', ' ', '\0']) {
            return Err(format!("data.tun {:?} is not an interface name (1 to 15 bytes, no '/' or space)", self.tun));
        }
        if self.idle_secs == 0 {
            return Err("data.idle_secs must be at least 1".into());
        }
        if let Some(faults) = &self.faults {
            faults.check()?;
        }
        let port = self.apptunnel.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok()).filter(|p| *p != 0);
        if port.is_none() || self.host().is_empty() {
            return Err(format!("data.apptunnel {:?} is not HOST:PORT", self.apptunnel));
        }
        Ok(())
    }

    /// The host part of `apptunnel`, without brackets: the name the gateway's
    /// certificate must carry.
    pub(crate) fn host(&self) -> &str {
        let host = self.apptunnel.rsplit_once(':').map_or(self.apptunnel.as_str(), |(h, _)| h);
        host.trim_start_matches('[').trim_end_matches(']')
    }

    /// The idle time.
    pub(crate) fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_reference_five_minutes_and_postern0() {
        let settings: DataSettings = toml::from_str("apptunnel = \"gw:8443\"").expect("parses");
        assert_eq!(settings.idle(), Duration::from_secs(300));
        assert_eq!(settings.tun, "postern0");
        assert_eq!(settings.tun_address, Ipv4Addr::new(100, 64, 0, 1));
        assert_eq!(settings.faults, None);
        assert_eq!(settings.check(), Ok(()));
    }

    #[test]
    fn bad_settings_are_refused() {
        let parse = |t: &str| toml::from_str::<DataSettings>(t).expect("parses").check();
        assert!(parse("apptunnel = \"gw:8443\"\nidle_secs = 0").is_err());
        assert!(parse("apptunnel = \"gw\"").is_err());
        assert!(parse("apptunnel = \"gw:1\"\ntun = \"a-name-far-too-long\"").is_err());
        assert!(toml::from_str::<DataSettings>("apptunnel = \"gw:1\"\nidle = 3").is_err(), "unknown key");
        let faults = parse("apptunnel = \"gw:1\"\n[faults]\ndrop_pct = 60");
        assert_eq!(faults, Err("data.faults.drop_pct 60 is above 50".into()));
    }
}
