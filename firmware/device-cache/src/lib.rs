//! The persistent, bounded, least-recently-used device cache: sled for durability, an in-memory index for lookups.

mod cache;
mod device_index;
mod error;
mod key;
mod lru_index;
mod reader;
mod record;
mod record_format;
mod recovery;
mod seal;
mod sled_store;

pub use cache::{CacheConfig, DEFAULT_STORE_CACHE_BYTES, DeviceCache, Opened};
pub use device_index::{DeviceIndex, SHARDS};
pub use error::{CacheError, KeyError, RecordError};
pub use key::{ENCODED_KEY_MAX, EncodedKey, StoredKey};
pub use lru_index::{Inserted, LruIndex, MAX_INDEX_CAPACITY, Walk};
/// The parts of an AppTunnel key, defined once in the decision core.
pub use postern_decision::{APP_ID_MAX, AppId, SERVICE_NAME_MAX, ServiceName};
pub use reader::CacheReader;
pub use record::{CachedState, DeviceRecord, uem_tag};
pub use record_format::{RECORD_FORMAT_VERSION, decode_record, encode_record};
pub use recovery::{Damage, Recovery};
