//! Realms and roles (H4): which resources a device may reach given the policies its
//! last assessment passed and the roles its user is mapped to. Realm policies are
//! checked first, for every resource, before the user is known; role policies after,
//! for the resource asked for. See docs/host-checker.md for the order and the choices.

/// A resource a role opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// An AppTunnel service, by name.
    Service(&'a str),
    /// The ActiveSync back end.
    ActiveSync,
}

/// Which users a role is mapped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMatch {
    /// Every user, and a device whose user is not known.
    Everyone,
    /// Every user of a domain: `*@corp.example` (case-insensitive).
    Domain(String),
    /// One user (case-insensitive).
    User(String),
}

impl UserMatch {
    /// Parses `*`, `*@DOMAIN` or a user name (no white space, no other `*`).
    pub fn parse(text: &str) -> Option<Self> {
        if text == "*" {
            return Some(Self::Everyone);
        }
        if text.is_empty() || text.len() > 256 || text.chars().any(char::is_whitespace) {
            return None;
        }
        match text.strip_prefix("*@") {
            Some(domain) if !domain.is_empty() && !domain.contains(['*', '@']) => Some(Self::Domain(domain.to_owned())),
            Some(_) => None,
            None if text.contains('*') => None,
            None => Some(Self::User(text.to_owned())),
        }
    }

    /// Whether `user` (none when the device's user is not known) is matched.
    pub fn matches(&self, user: Option<&str>) -> bool {
        match (self, user) {
            (Self::Everyone, _) => true,
            (Self::User(want), Some(user)) => want.eq_ignore_ascii_case(user),
            (Self::Domain(domain), Some(user)) => {
                user.rsplit_once('@').is_some_and(|(name, at)| !name.is_empty() && at.eq_ignore_ascii_case(domain))
            }
            (_, None) => false,
        }
    }
}

/// A role: the policies it requires, the resources it opens, the users mapped to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Its name, shown with the decision.
    pub name: String,
    /// Policies a device must have passed (none: a role without a check).
    pub policies: Vec<String>,
    /// AppTunnel services it opens.
    pub services: Vec<String>,
    /// Whether it opens the ActiveSync back end.
    pub activesync: bool,
    /// The users mapped to it.
    pub users: Vec<UserMatch>,
}

impl Role {
    /// Whether the role opens `resource`.
    pub fn opens(&self, resource: Resource<'_>) -> bool {
        match resource {
            Resource::Service(name) => self.services.iter().any(|s| s == name),
            Resource::ActiveSync => self.activesync,
        }
    }

    fn maps(&self, user: Option<&str>) -> bool {
        self.users.iter().any(|m| m.matches(user))
    }
}

/// The realm policies and the roles, as committed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRules {
    /// Policies every device must have passed before any resource, in order.
    pub realm_policies: Vec<String>,
    /// The roles, in configuration order.
    pub roles: Vec<Role>,
}

/// Why a resource was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A realm policy the device has not passed.
    Realm {
        /// The policy.
        policy: String,
    },
    /// No role of the user opens the resource.
    NoRole,
    /// Every role of the user that opens the resource requires a policy the device
    /// has not passed; the role closest to passing and its first such policy.
    Role {
        /// The role.
        role: String,
        /// The policy.
        policy: String,
    },
}

impl Refusal {
    /// The reason the proxies give: `posture-failed:<policy>` or `no-role`.
    pub fn reason(&self) -> String {
        match self {
            Self::Realm { policy } | Self::Role { policy, .. } => format!("posture-failed:{policy}"),
            Self::NoRole => "no-role".to_owned(),
        }
    }
}

/// The outcome of [`AccessRules::admit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// No role guards the resource: the realm check was all.
    Unguarded,
    /// Admitted under this role.
    Role(String),
    /// Refused.
    Refused(Refusal),
}

impl AccessRules {
    /// The first realm policy `passed` says the device has not passed.
    pub fn realm_failure(&self, passed: &dyn Fn(&str) -> bool) -> Option<Refusal> {
        let policy = self.realm_policies.iter().find(|p| !passed(p))?;
        Some(Refusal::Realm { policy: policy.clone() })
    }

    /// Whether a role that opens `resource` is mapped to users by name or domain (so
    /// the caller must find the device's user).
    pub fn needs_user(&self, resource: Resource<'_>) -> bool {
        self.roles.iter().any(|r| r.opens(resource) && r.users.iter().any(|m| *m != UserMatch::Everyone))
    }

    /// Whether some role opens `resource`.
    pub fn guards(&self, resource: Resource<'_>) -> bool {
        self.roles.iter().any(|r| r.opens(resource))
    }

    /// Whether `resource` is open to every device whatever its posture and user (no realm
    /// policy, no role opens it): the proxies then need not look the device up.
    pub fn leaves_open(&self, resource: Resource<'_>) -> bool {
        self.realm_policies.is_empty() && !self.guards(resource)
    }

    /// Whether any role picks users by name or domain (not `*`): a device's user then
    /// matters somewhere.
    pub fn picks_users(&self) -> bool {
        self.roles.iter().any(|r| r.users.iter().any(|m| *m != UserMatch::Everyone))
    }

    /// Every policy a realm or a role requires.
    pub fn required_policies(&self) -> impl Iterator<Item = &str> {
        self.realm_policies.iter().chain(self.roles.iter().flat_map(|r| &r.policies)).map(String::as_str)
    }

    /// Decides `resource` for a device whose user is `user` and whose last assessment
    /// passed the policies `passed` accepts: the realm first, then the user's roles
    /// that open the resource. Of the roles whose policies all passed, one without a
    /// check is preferred, else the first in order. When none passed, the refusal names
    /// the role with the fewest policies not passed (the first on a tie) and its first
    /// policy not passed.
    pub fn admit(&self, resource: Resource<'_>, user: Option<&str>, passed: &dyn Fn(&str) -> bool) -> Admission {
        if let Some(refusal) = self.realm_failure(passed) {
            return Admission::Refused(refusal);
        }
        if !self.guards(resource) {
            return Admission::Unguarded;
        }
        let candidates: Vec<&Role> = self.roles.iter().filter(|r| r.opens(resource) && r.maps(user)).collect();
        let failed_of = |role: &Role| role.policies.iter().filter(|p| !passed(p)).count();
        let passing = candidates.iter().filter(|r| failed_of(r) == 0);
        if let Some(role) = passing.clone().find(|r| r.policies.is_empty()).or_else(|| passing.clone().next()) {
            return Admission::Role(role.name.clone());
        }
        let Some(best) = candidates.iter().min_by_key(|r| failed_of(r)) else {
            return Admission::Refused(Refusal::NoRole);
        };
        let policy = best.policies.iter().find(|p| !passed(p)).cloned().unwrap_or_default();
        Admission::Refused(Refusal::Role { role: best.name.clone(), policy })
    }
}
