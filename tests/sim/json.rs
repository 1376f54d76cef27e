//! JSON values as the core reads them ([`Obj`]), for the simulated browser and server.

use serde_json::Value;
use session_keeper::core::obj::Obj;

#[derive(Clone)]
pub struct J(pub Value);

impl Obj for J {
    fn field(&self, key: &str) -> Option<J> {
        self.0.get(key).filter(|v| !v.is_null()).cloned().map(J)
    }
    fn string(&self) -> Option<String> {
        self.0.as_str().map(String::from)
    }
    fn number(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.0.as_bool()
    }
    fn is_object(&self) -> bool {
        self.0.is_object()
    }
    fn items(&self) -> Option<Vec<J>> {
        self.0
            .as_array()
            .map(|a| a.iter().cloned().map(J).collect())
    }
}
