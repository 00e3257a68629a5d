//! The process's heap: one malloc arena (glibc) for every thread.
//!
//! glibc gives each thread that allocates its own arena and reuses freed memory only within
//! the arena it came from. At 100k devices that keeps two inventories resident where one is
//! live: the cache is parsed on loader threads, a refresh's pages on the runtime's workers,
//! so what the replaced devices free is never reused for the new ones (a dashboard refresh
//! peaked at 173 MB with per-thread arenas, 129 MB with one). offsync's threads allocate
//! little at once, so one arena costs no measurable time.

/// Limits the process to one malloc arena. Call first thing in `main`, before any thread
/// starts; a no-op where the C library is not glibc.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets an allocator tunable; it is called before any other
        // thread exists, and a refusal (0) leaves the default, which is still correct.
        if unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) } == 0 {
            tracing::debug!("mallopt(M_ARENA_MAX) refused");
        }
    }
}
