//! Commit, commit confirmed, and the automatic revert of an unconfirmed commit.

use crate::candidate::Candidate;
use crate::error::{CommitError, StoreError};
use crate::history::StoredRevision;
use crate::mirror::{write_mirror, write_seal};
use crate::recovery::SYSTEM;
use crate::revision::{
    COMMENT_MAX, CONFIRM_MINUTES, Pending, PendingConfirmation, RevisionInfo, RevisionKind, WHO_MAX, check_text,
};
use crate::store::ConfigStore;
use postern_config::Config;

impl ConfigStore {
    /// `commit`: validates the candidate and makes it the running configuration, as a new
    /// revision, durable before this returns. Also confirms a pending `commit confirmed`,
    /// even with no changes. Refused, with nothing changed, when a setting is invalid
    /// (every one is named), when the running configuration changed since the candidate
    /// was taken, or when there is nothing to commit.
    pub fn commit(
        &mut self,
        candidate: &Candidate,
        who: &str,
        comment: Option<&str>,
        now: u64,
    ) -> Result<RevisionInfo, CommitError> {
        self.check_commit(candidate, who, comment)?;
        let confirms = self.pending.as_ref().map(|p| p.public.revision);
        if *candidate.config() == self.running && confirms.is_none() {
            return Err(CommitError::NoChanges);
        }
        let info = self.next_info(who, comment, now, RevisionKind::Commit, confirms);
        Ok(self.append(candidate.config().clone(), info, None)?)
    }

    /// `commit confirmed <minutes>`: commits as [`ConfigStore::commit`] does, and reverts
    /// by itself at `now + minutes` unless a later `commit` confirms it (see
    /// [`ConfigStore::tick`]). The deadline is stored, so a restart inside the window still
    /// reverts. While one is pending, another extends the window; the revert restores the
    /// configuration from before the first unconfirmed commit.
    pub fn commit_confirmed(
        &mut self,
        candidate: &Candidate,
        minutes: u32,
        who: &str,
        comment: Option<&str>,
        now: u64,
    ) -> Result<RevisionInfo, CommitError> {
        if !CONFIRM_MINUTES.contains(&minutes) {
            return Err(CommitError::ConfirmMinutes { minutes, allowed: CONFIRM_MINUTES });
        }
        self.check_commit(candidate, who, comment)?;
        if *candidate.config() == self.running && self.pending.is_none() {
            return Err(CommitError::NoChanges);
        }
        let deadline = now.saturating_add(u64::from(minutes) * 60);
        let info = self.next_info(who, comment, now, RevisionKind::CommitConfirmed { deadline }, None);
        let (restores, restore, restore_toml) = match &self.pending {
            Some(p) => (p.public.restores, p.restore.clone(), p.restore_toml.clone()),
            None => {
                let toml = self.running.to_toml_string().map_err(StoreError::Serialize)?;
                (self.revision(), self.running.clone(), toml)
            }
        };
        let pending = Pending {
            public: PendingConfirmation { revision: info.number, deadline, restores },
            restore,
            restore_toml,
        };
        Ok(self.append(candidate.config().clone(), info, Some(pending))?)
    }

    /// Reverts an unconfirmed `commit confirmed` once its deadline has passed: the
    /// configuration from before it becomes a new revision, marked as an automatic
    /// rollback, and is returned so the caller applies [`ConfigStore::running`]. Call it
    /// after open and then periodically (every few seconds).
    pub fn tick(&mut self, now: u64) -> Result<Option<RevisionInfo>, StoreError> {
        let Some(pending) = &self.pending else {
            return Ok(None);
        };
        if now < pending.public.deadline {
            return Ok(None);
        }
        let PendingConfirmation { revision, restores, .. } = pending.public;
        let restore = pending.restore.clone();
        let comment = format!(
            "commit confirmed at revision {revision} was not confirmed in time; restored \
             the configuration of revision {restores}"
        );
        let kind = RevisionKind::AutomaticRollback { reverted: revision };
        let info = self.next_info(SYSTEM, Some(&comment), now, kind, None);
        let info = self.append(restore, info, None)?;
        tracing::warn!(
            revision = info.number,
            reverted = revision,
            restored = restores,
            "commit confirmed was not confirmed in time: reverted"
        );
        Ok(Some(info))
    }

    fn check_commit(&self, candidate: &Candidate, who: &str, comment: Option<&str>) -> Result<(), CommitError> {
        check_text("who", who, WHO_MAX)?;
        if let Some(comment) = comment {
            check_text("comment", comment, COMMENT_MAX)?;
        }
        candidate.config().validate_for_commit().map_err(CommitError::Invalid)?;
        if candidate.base_revision() != self.revision() && *candidate.base_config() != self.running {
            return Err(CommitError::Conflict {
                who: self.newest.who.clone(),
                revision: self.revision(),
                base: candidate.base_revision(),
            });
        }
        Ok(())
    }

    fn next_info(
        &self,
        who: &str,
        comment: Option<&str>,
        now: u64,
        kind: RevisionKind,
        confirms: Option<u64>,
    ) -> RevisionInfo {
        RevisionInfo {
            number: self.revision().saturating_add(1),
            committed_at: now,
            who: who.to_owned(),
            comment: comment.map(str::to_owned),
            kind,
            confirms,
        }
    }

    /// Records `config` as the new running revision. The mirror is written first, then
    /// the history (one atomic batch, flushed), then the seal: an interruption anywhere
    /// leaves the previous revision running at the next open, or this one, never a mix.
    /// On error nothing has changed, in memory or (as far as the next open sees) on disk.
    fn append(
        &mut self,
        config: Config,
        info: RevisionInfo,
        pending: Option<Pending>,
    ) -> Result<RevisionInfo, StoreError> {
        let toml = config.to_toml_string().map_err(StoreError::Serialize)?;
        write_mirror(&self.dir, &config)?;
        let excess = (self.older.len() + 2).saturating_sub(self.keep.get());
        let dropped = (self.older.iter().chain([&self.newest])).take(excess).map(|r| r.number);
        let stored = StoredRevision { info, toml };
        if let Err(error) = self.history.write(&stored, dropped, pending.as_ref().map(Pending::stored).as_ref()) {
            if let Err(mirror) = write_mirror(&self.dir, &self.running) {
                tracing::error!(error = %mirror, "cannot restore the running configuration's mirror after a failed commit");
            }
            return Err(error);
        }
        if let Err(error) = write_seal(&self.dir, stored.info.number) {
            tracing::warn!(error = %error, "cannot record the committed revision number");
        }
        let info = stored.info;
        self.older.push(std::mem::replace(&mut self.newest, info.clone()));
        self.older.drain(..excess.min(self.older.len()));
        self.running = config;
        self.pending = pending;
        tracing::info!(
            revision = info.number,
            who = %info.who,
            kind = ?info.kind,
            "configuration committed"
        );
        Ok(info)
    }
}
