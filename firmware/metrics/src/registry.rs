//! The registry: every metric the process exposes, in registration order.

use crate::error::MetricsError;
use crate::exposition::{is_label_name, is_metric_name, write_header, write_sample};
use crate::instruments::{Counter, Gauge, LabelledCounter};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Reads a labelled counter family's samples when the registry is rendered: (label
/// value, count) pairs.
pub type Collect = Arc<dyn Fn() -> Vec<(String, u64)> + Send + Sync>;

enum Instrument {
    Counter(Counter),
    Gauge(Gauge),
    Labelled(LabelledCounter),
    Collected { label: String, collect: Collect },
}

impl std::fmt::Debug for Instrument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Instrument::Counter(c) => f.debug_tuple("Counter").field(c).finish(),
            Instrument::Gauge(g) => f.debug_tuple("Gauge").field(g).finish(),
            Instrument::Labelled(l) => f.debug_tuple("Labelled").field(l).finish(),
            Instrument::Collected { label, .. } => f.debug_struct("Collected").field("label", label).finish(),
        }
    }
}

#[derive(Debug)]
struct Family {
    name: String,
    help: String,
    instrument: Instrument,
}

/// A set of named metrics, shared by cloning; rendered with [`Registry::render`].
#[derive(Debug, Clone, Default)]
pub struct Registry {
    families: Arc<Mutex<Vec<Family>>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a counter (by convention named `..._total`).
    pub fn counter(&self, name: &str, help: &str) -> Result<Counter, MetricsError> {
        let counter = Counter::default();
        self.add(name, help, Instrument::Counter(counter.clone()))?;
        Ok(counter)
    }

    /// Registers a gauge.
    pub fn gauge(&self, name: &str, help: &str) -> Result<Gauge, MetricsError> {
        let gauge = Gauge::default();
        self.add(name, help, Instrument::Gauge(gauge.clone()))?;
        Ok(gauge)
    }

    /// Registers a counter family with one label whose possible values are `values`.
    pub fn labelled_counter(
        &self,
        name: &str,
        help: &str,
        label: &str,
        values: &[&str],
    ) -> Result<LabelledCounter, MetricsError> {
        if !is_label_name(label) {
            return Err(MetricsError::InvalidName { kind: "label", name: label.to_owned() });
        }
        let distinct: HashSet<&&str> = values.iter().collect();
        if values.is_empty() || distinct.len() != values.len() {
            return Err(MetricsError::BadLabelValues { name: name.to_owned() });
        }
        let family = LabelledCounter {
            label: label.into(),
            series: values.iter().map(|v| (Arc::<str>::from(*v), Counter::default())).collect(),
        };
        self.add(name, help, Instrument::Labelled(family.clone()))?;
        Ok(family)
    }

    /// Registers a counter family with one label whose samples `collect` reads at each
    /// rendering (counts the kernel keeps, such as an interface's errors).
    pub fn collected_counter(&self, name: &str, help: &str, label: &str, collect: Collect) -> Result<(), MetricsError> {
        if !is_label_name(label) {
            return Err(MetricsError::InvalidName { kind: "label", name: label.to_owned() });
        }
        self.add(name, help, Instrument::Collected { label: label.to_owned(), collect })
    }

    fn add(&self, name: &str, help: &str, instrument: Instrument) -> Result<(), MetricsError> {
        if !is_metric_name(name) {
            return Err(MetricsError::InvalidName { kind: "metric", name: name.to_owned() });
        }
        let mut families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        if families.iter().any(|f| f.name == name) {
            return Err(MetricsError::Duplicate(name.to_owned()));
        }
        families.push(Family { name: name.to_owned(), help: help.to_owned(), instrument });
        Ok(())
    }

    /// Every metric in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::with_capacity(families.len() * 128);
        for f in families.iter() {
            match &f.instrument {
                Instrument::Counter(c) => {
                    write_header(&mut out, &f.name, &f.help, "counter");
                    write_sample(&mut out, &f.name, None, c.get());
                }
                Instrument::Gauge(g) => {
                    write_header(&mut out, &f.name, &f.help, "gauge");
                    write_sample(&mut out, &f.name, None, g.get());
                }
                Instrument::Labelled(l) => {
                    write_header(&mut out, &f.name, &f.help, "counter");
                    for (value, c) in l.series.iter() {
                        write_sample(&mut out, &f.name, Some((l.label(), value)), c.get());
                    }
                }
                Instrument::Collected { label, collect } => {
                    write_header(&mut out, &f.name, &f.help, "counter");
                    for (value, count) in collect() {
                        write_sample(&mut out, &f.name, Some((label, &value)), count);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_help_type_and_samples() -> Result<(), MetricsError> {
        let reg = Registry::new();
        let accepted = reg.counter("postern_accepted_total", "Connections accepted.")?;
        let live = reg.gauge("postern_live", "Live connections.")?;
        let reasons = reg.labelled_counter(
            "postern_failures_total",
            "Failures by \"reason\".\nSecond line \\ end",
            "reason",
            &["timeout", "odd\"value\\x\ny"],
        )?;
        accepted.add(3);
        live.inc();
        live.inc();
        live.dec();
        assert!(reasons.inc("timeout"));
        assert!(reasons.inc("odd\"value\\x\ny"));
        assert!(!reasons.inc("undeclared"));
        let text = reg.render();
        let expected = concat!(
            "# HELP postern_accepted_total Connections accepted.\n",
            "# TYPE postern_accepted_total counter\n",
            "postern_accepted_total 3\n",
            "# HELP postern_live Live connections.\n",
            "# TYPE postern_live gauge\n",
            "postern_live 1\n",
            "# HELP postern_failures_total Failures by \"reason\".\\nSecond line \\\\ end\n",
            "# TYPE postern_failures_total counter\n",
            "postern_failures_total{reason=\"timeout\"} 1\n",
            "postern_failures_total{reason=\"odd\\\"value\\\\x\\ny\"} 1\n",
        );
        assert_eq!(text, expected);
        Ok(())
    }

    #[test]
    fn refuses_bad_and_duplicate_names() -> Result<(), MetricsError> {
        let reg = Registry::new();
        reg.counter("a_total", "x")?;
        assert!(matches!(reg.counter("a_total", "x"), Err(MetricsError::Duplicate(_))));
        assert!(matches!(reg.gauge("bad-name", "x"), Err(MetricsError::InvalidName { .. })));
        assert!(matches!(
            reg.labelled_counter("b_total", "x", "__l", &["v"]),
            Err(MetricsError::InvalidName { kind: "label", .. })
        ));
        assert!(matches!(
            reg.labelled_counter("b_total", "x", "l", &["v", "v"]),
            Err(MetricsError::BadLabelValues { .. })
        ));
        assert!(matches!(reg.labelled_counter("b_total", "x", "l", &[]), Err(MetricsError::BadLabelValues { .. })));
        Ok(())
    }
}
