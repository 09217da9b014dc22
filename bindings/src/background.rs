//! Where the library does its work: a few threads of its own, so no store or network call ever
//! runs on the app's main thread. An async call (Kotlin `suspend`, Swift `async`) hands its work
//! here and awaits the result; a panic in the work becomes `FieldError::Internal`.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use crate::error::FieldError;

type Job = Box<dyn FnOnce() + Send>;

/// Store work and network work wait for different things: each gets its threads.
const THREADS: usize = 4;

fn queue() -> &'static Mutex<Sender<Job>> {
    static QUEUE: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..THREADS {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("fieldcase-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    };
                    job();
                })
                .expect("a thread for the library's work");
        }
        Mutex::new(tx)
    })
}

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// The result of work handed to the library's threads. Dropped before the result came (the
/// Kotlin coroutine or Swift task awaiting it was cancelled), it tells the work to stop.
pub struct Pending<T> {
    slot: Arc<Mutex<Slot<T>>>,
    stop: Arc<AtomicBool>,
    finished: bool,
}

impl<T> Drop for Pending<T> {
    fn drop(&mut self) {
        if !self.finished {
            self.stop.store(true, Ordering::SeqCst);
        }
    }
}

impl<T> Future for Pending<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let slot = self.slot.clone();
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        match slot.value.take() {
            Some(v) => {
                self.finished = true;
                Poll::Ready(v)
            }
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Runs `work` on the library's threads; a panic there is an `Internal` error, never a crash.
pub fn run<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, FieldError> + Send + 'static,
) -> Pending<Result<T, FieldError>> {
    run_stoppable(move |_| work())
}

/// Like `run`, for long work (bundles, attachments) that looks at the flag it is handed
/// between steps: the flag is set when the caller stops waiting (a cancelled coroutine or
/// task), so the work stops too instead of running on unseen.
pub fn run_stoppable<T: Send + 'static>(
    work: impl FnOnce(&AtomicBool) -> Result<T, FieldError> + Send + 'static,
) -> Pending<Result<T, FieldError>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let work = move || work(&flag);
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
    }));
    let done = slot.clone();
    let job: Job = Box::new(move || {
        let result = catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|p| {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(FieldError::Internal {
                detail: format!("internal error ({what}); nothing was saved"),
            })
        });
        let waker = {
            let mut s = done.lock().unwrap_or_else(|e| e.into_inner());
            s.value = Some(result);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    });
    let sent = queue().lock().unwrap_or_else(|e| e.into_inner()).send(job);
    if sent.is_err() {
        slot.lock().unwrap_or_else(|e| e.into_inner()).value = Some(Err(FieldError::Internal {
            detail: "the library's threads are gone".into(),
        }));
    }
    Pending {
        slot,
        stop,
        finished: false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    use super::*;

    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    fn block_on<T>(mut f: Pending<T>) -> T {
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(v) = Pin::new(&mut f).poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    }

    #[test]
    fn work_runs_off_the_calling_thread_and_a_panic_becomes_an_internal_error() {
        let caller = std::thread::current().id();
        let ran_on = block_on(run(move || Ok(std::thread::current().id())));
        assert_ne!(ran_on.unwrap(), caller);
        let e = block_on(run(|| -> Result<(), FieldError> { panic!("boom") })).unwrap_err();
        assert!(
            matches!(&e, FieldError::Internal { detail } if detail.contains("boom")),
            "{e}"
        );
        // The threads survive a panic.
        assert_eq!(block_on(run(|| Ok(7))).unwrap(), 7);
    }

    #[test]
    fn work_whose_caller_stopped_waiting_is_told_to_stop_and_finished_work_is_not() {
        // The caller drops the pending result (a cancelled coroutine or task): the work sees
        // its flag set and stops early.
        let (started_tx, started) = std::sync::mpsc::channel();
        let (steps_tx, steps) = std::sync::mpsc::channel();
        let pending = run_stoppable(move |stop| {
            started_tx.send(()).unwrap();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) && n < 1_000 {
                std::thread::sleep(std::time::Duration::from_millis(5));
                n += 1;
            }
            steps_tx.send(n).unwrap();
            Ok(n)
        });
        started.recv().unwrap();
        drop(pending);
        let n = steps.recv().unwrap();
        assert!(
            n < 1_000,
            "the work ran on to the end ({n} steps) after its caller left"
        );

        // Awaited to the end, its flag was never set.
        let flag = Arc::new(AtomicBool::new(false));
        let seen = flag.clone();
        let done = block_on(run_stoppable(move |stop| {
            seen.store(stop.load(Ordering::SeqCst), Ordering::SeqCst);
            Ok(1)
        }));
        assert_eq!(done.unwrap(), 1);
        assert!(!flag.load(Ordering::SeqCst));
    }
}
