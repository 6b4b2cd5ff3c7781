//! Typed access inside a sled transaction, and the error that aborts or retries one.

use super::codec::{self, Record};
use super::{StoreError, TreeId};
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};

/// A transaction over every tree of the store.
pub struct Tx<'a> {
    views: &'a [TransactionalTree],
}

/// Why a transaction closure stopped: sled's own conflict (retried) or an abort with `E`.
pub struct TxError<E>(ConflictableTransactionError<E>);

impl<E> TxError<E> {
    /// Aborts the transaction: nothing it wrote is kept, and `e` is returned.
    pub fn abort(e: E) -> Self {
        TxError(ConflictableTransactionError::Abort(e))
    }

    pub(super) fn into_sled(self) -> ConflictableTransactionError<E> {
        self.0
    }
}

impl<E> From<UnabortableTransactionError> for TxError<E> {
    fn from(e: UnabortableTransactionError) -> Self {
        TxError(e.into())
    }
}

/// Maps the outcome of a sled transaction to the caller's error type.
pub(super) fn from_sled_outcome<E: From<StoreError>>(e: TransactionError<E>) -> E {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => E::from(StoreError::from(e)),
    }
}

impl<'a> Tx<'a> {
    pub(super) fn new(views: &'a [TransactionalTree]) -> Self {
        Tx { views }
    }

    fn view(&self, id: TreeId) -> &TransactionalTree {
        &self.views[id as usize]
    }

    pub(super) fn get<R: Record, E: From<StoreError>>(
        &self,
        key: &[u8],
    ) -> Result<Option<R>, TxError<E>> {
        match self.view(R::TREE).get(key)? {
            Some(bytes) => codec::decode(&bytes).map(Some).map_err(abort),
            None => Ok(None),
        }
    }

    pub(super) fn put<R: Record, E: From<StoreError>>(&self, rec: &R) -> Result<(), TxError<E>> {
        let bytes = codec::encode(rec).map_err(abort)?;
        self.view(R::TREE).insert(rec.key(), bytes)?;
        Ok(())
    }

    pub(super) fn remove<R: Record, E: From<StoreError>>(
        &self,
        key: &[u8],
    ) -> Result<Option<R>, TxError<E>> {
        match self.view(R::TREE).remove(key)? {
            Some(bytes) => codec::decode(&bytes).map(Some).map_err(abort),
            None => Ok(None),
        }
    }

    pub(super) fn index_get<E>(
        &self,
        id: TreeId,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, TxError<E>> {
        Ok(self.view(id).get(key)?.map(|v| v.to_vec()))
    }

    pub(super) fn generate_id<E: From<StoreError>>(&self, id: TreeId) -> Result<u64, TxError<E>> {
        self.view(id)
            .generate_id()
            .map_err(|e| abort(StoreError::from(e)))
    }

    pub(super) fn index_put<E>(
        &self,
        id: TreeId,
        key: &[u8],
        value: &[u8],
    ) -> Result<(), TxError<E>> {
        self.view(id).insert(key, value)?;
        Ok(())
    }

    pub(super) fn remove_raw<E>(&self, id: TreeId, key: &[u8]) -> Result<(), TxError<E>> {
        self.view(id).remove(key)?;
        Ok(())
    }
}

fn abort<E: From<StoreError>>(e: StoreError) -> TxError<E> {
    TxError::abort(E::from(e))
}
