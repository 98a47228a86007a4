//! Serde adapters that validate the decision core's id types on the wire (their own
//! derives do not check length or characters).

macro_rules! id_serde {
    ($module:ident, $opt:ident, $ty:ty) => {
        #[allow(dead_code, reason = "every id gets both forms; not each is used")]
        pub(crate) mod $module {
            use serde::{Deserialize, Deserializer, Serializer, de::Error};

            pub(crate) fn serialize<S: Serializer>(v: &$ty, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(v.as_str())
            }

            pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                let text = String::deserialize(d)?;
                <$ty>::new(&text).map_err(D::Error::custom)
            }
        }

        #[allow(dead_code, reason = "every id gets both forms; not each is used")]
        pub(crate) mod $opt {
            use serde::{Deserialize, Deserializer, Serializer, de::Error};

            pub(crate) fn serialize<S: Serializer>(v: &Option<$ty>, s: S) -> Result<S::Ok, S::Error> {
                match v {
                    Some(v) => s.serialize_str(v.as_str()),
                    None => s.serialize_none(),
                }
            }

            pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$ty>, D::Error> {
                match Option::<String>::deserialize(d)? {
                    Some(text) => <$ty>::new(&text).map(Some).map_err(D::Error::custom),
                    None => Ok(None),
                }
            }
        }
    };
}

id_serde!(eas, opt_eas, postern_decision::EasDeviceId);
id_serde!(user, opt_user, postern_decision::UserId);
id_serde!(uem, opt_uem, postern_decision::UemDeviceId);
id_serde!(gateway, opt_gateway, postern_decision::GatewayId);
