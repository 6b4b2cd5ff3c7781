//! The failure classes every layer's error maps to; `http::respond` turns them into statuses.

/// What kind of failure an error is, independent of the protocol that reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or fails validation.
    BadRequest,
    /// The caller did not prove who it is.
    Unauthorized,
    /// The caller is known but not allowed.
    Forbidden,
    /// The named thing does not exist.
    NotFound,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// A uniqueness rule would be broken.
    Conflict,
    /// The body is larger than the route accepts.
    PayloadTooLarge,
    /// The body is not of the content type the route accepts.
    UnsupportedMediaType,
    /// A rate limit was hit.
    TooMany,
    /// An upstream service answered badly.
    Upstream,
    /// Too many upstream calls are already in flight.
    UpstreamBusy,
    /// The appliance is at its connection limit.
    Busy,
    /// The client sent its body too slowly.
    RequestTimeout,
    /// An upstream service did not answer in time.
    UpstreamTimeout,
    /// The store cannot write (disk full, I/O error): retry later.
    StorageUnavailable,
    /// Our own fault; details go to the log only.
    Internal,
}
