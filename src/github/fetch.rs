//! The Workers implementation of [`HttpClient`]: `fetch` with an upstream timeout.
