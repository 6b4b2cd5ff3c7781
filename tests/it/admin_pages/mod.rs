//! The admin UI's everyday pages, driven by a cookie-keeping client: confirmation pages
//! in front of every destructive action; lists that page, sort and search; the
//! layout at desktop and phone widths; the audit view and its export; the dashboard.

mod audit;
mod confirmations;
mod dashboard;
mod layout;
mod lists;
