//! Pagination as async streams of pages. A listing never throws away what it already has:
//! each page is retried inside the request path, and if one finally fails the stream yields
//! an [`Error::Listing`] that says how many items came before it, then ends, so the caller
//! keeps (and can show) every page it already received.
use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt};

use super::Error;

/// One page of a Google listing: its items and the next page token (absent or empty = last).
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_page_token: Option<String>,
}

struct State<F> {
    fetch: F,
    token: Option<String>,
    fetched: u64,
    done: bool,
}

/// A page chain: calls `fetch(page_token)` until a page comes back without a next token.
pub fn chain<T, F, Fut>(what: &'static str, fetch: F) -> BoxStream<'static, Result<Vec<T>, Error>>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
{
    let init = State {
        fetch,
        token: None,
        fetched: 0,
        done: false,
    };
    stream::try_unfold(init, move |mut st| async move {
        if st.done {
            return Ok(None);
        }
        match (st.fetch)(st.token.take()).await {
            Ok(page) => {
                st.fetched += page.items.len() as u64;
                st.token = page.next_page_token.filter(|t| !t.is_empty());
                st.done = st.token.is_none();
                Ok(Some((page.items, st)))
            }
            Err(e) => Err(Error::Listing {
                what,
                fetched: st.fetched,
                source: Box::new(e),
            }),
        }
    })
    .boxed()
}

/// Drains a page stream into one vector; on error returns what was fetched and the error.
pub async fn collect<T>(
    mut s: BoxStream<'static, Result<Vec<T>, Error>>,
) -> (Vec<T>, Option<Error>) {
    let mut all = Vec::new();
    while let Some(page) = s.next().await {
        match page {
            Ok(items) => all.extend(items),
            Err(e) => return (all, Some(e)),
        }
    }
    (all, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failing_page_keeps_earlier_pages_and_counts_them() {
        let s = chain("things", |tok: Option<String>| async move {
            match tok.as_deref() {
                None => Ok(Page {
                    items: vec![1, 2],
                    next_page_token: Some("p2".into()),
                }),
                Some("p2") => Ok(Page {
                    items: vec![3],
                    next_page_token: Some("p3".into()),
                }),
                _ => Err(Error::Invalid("boom".into())),
            }
        });
        let (items, err) = collect(s).await;
        assert_eq!(items, vec![1, 2, 3]);
        let err = err.unwrap();
        assert!(matches!(err, Error::Listing { fetched: 3, .. }), "{err}");
        assert!(err.to_string().contains("stopped after 3 items"), "{err}");
    }

    #[tokio::test]
    async fn an_empty_token_ends_the_chain() {
        let s = chain("things", |_| async {
            Ok(Page {
                items: vec![1],
                next_page_token: Some(String::new()),
            })
        });
        assert_eq!(collect(s).await.0, vec![1]);
    }
}
