//! The kit of the browser tests, shared by every module: the devserver and its test-control
//! API (`server`), the page's cookies and storage (`page`), JS plumbing and `SessionError`s
//! (`js`), `SessionManager` set-ups and checks (`descope`), `RocketChatSession` set-ups and
//! checks (`rocketchat`).

mod descope;
mod js;
mod page;
mod rocketchat;
mod server;

pub use descope::*;
pub use js::*;
pub use page::*;
pub use rocketchat::*;
pub use server::*;
