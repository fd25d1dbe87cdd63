//! Opening the dossier the command line names while the window starts (issue 11: "cold start to an
//! interactive dashboard < 1 s" on 2,000,000 invoices).
//!
//! WebKit needs about half a second to start its processes and show the page; the dossier's open
//! (keys, schema check) and today's dashboard (materialised in the dossier for its ledger version,
//! see `encours_app::analytics::dashboard`) are done on a thread meanwhile, so that the window's
//! first questions find them ready instead of starting them. The window's own commands take the
//! result ([`Preopen::wait`]); a failure is dropped, and the ordinary open the window then asks for
//! reports it as before (a wrong key, a passphrase dossier, a damaged file).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};

use chrono::NaiveDate;
use encours_app::{ApiError, Dossier, ErrorCode, KeySource};

/// A dossier being opened on its own thread.
pub(crate) struct Preopen {
    path: PathBuf,
    result: Receiver<Result<Dossier, ApiError>>,
}

impl Preopen {
    /// Starts opening `path` with `keys` and computing its dashboard as of `today`; None when the
    /// thread cannot be started (the window then opens the dossier itself).
    pub(crate) fn start(path: PathBuf, keys: KeySource, today: NaiveDate) -> Option<Self> {
        let (tx, result) = mpsc::sync_channel(1);
        let at = path.clone();
        std::thread::Builder::new()
            .name("preopen".to_owned())
            .spawn(move || {
                let opened = encours_app::open_dossier(&at, &keys).inspect(|d| {
                    // Only to warm up: the window's own requests report errors. The dashboard's
                    // materialised view; then the client page and its next step of the largest
                    // exposure, the first page opened from the dashboard: the first use of their
                    // statements on a connection costs 30–150 ms (prepared and cached for the
                    // next ones, and their index pages read), which a click would otherwise wait.
                    if let Ok(view) = encours_app::analytics::dashboard(d, today) {
                        if let Some(top) = view.top_exposures.first() {
                            let _ = encours_app::portfolio::client_page(d, top.client_id, today);
                            let _ = encours_app::portfolio::client_plan(d, top.client_id, today);
                        }
                    }
                });
                // The receiver is gone when the window settled on another dossier: nothing to do.
                let _ = tx.send(opened);
            })
            .ok()?;
        Some(Preopen { path, result })
    }

    /// Whether this is the opening of `path` (as the window names it).
    pub(crate) fn is_for(&self, path: &Path) -> bool {
        self.path == path
    }

    /// The opened dossier, once the thread is done.
    pub(crate) fn wait(self) -> Result<Dossier, ApiError> {
        self.result
            .recv()
            .unwrap_or_else(|_| Err(ApiError::new(ErrorCode::Internal, "the dossier's opening thread stopped")))
    }
}
