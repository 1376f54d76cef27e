//! The [`Wire`] trait (a Rust API value as a JS value and back) and [`wire_struct!`], which
//! declares a wire struct once: its fields with their names on the wire, `serde`, the
//! members it keeps in `extra`, and its JS conversion. The other conversions are in `wire`.

use wasm_bindgen::JsValue;

use crate::core::obj::Obj;

/// A value the facade hands over or takes, as JS.
pub(crate) trait Wire: Sized {
    /// `None` when `v` is not of this type (or nests deeper than
    /// [`MAX_DEPTH`](crate::core::hooks::MAX_DEPTH)).
    fn read(v: &JsValue, depth: usize) -> Option<Self>;
    /// A new JS value.
    fn write(&self) -> JsValue;
}

/// Reads `v` as `T` from the top.
pub(crate) fn read<T: Wire>(v: &JsValue) -> Option<T> {
    T::read(v, 0)
}

/// A plain object (not an array, not `null`).
pub(crate) fn is_object(v: &JsValue) -> bool {
    Obj::is_object(v)
}

/// The own enumerable members of an object that are neither `undefined` nor `null`.
pub(crate) fn members(v: &JsValue) -> Vec<(String, JsValue)> {
    v.keys()
        .into_iter()
        .filter_map(|key| Some((key.clone(), v.field(&key)?)))
        .collect()
}

/// Declares a wire struct of optional fields, each with its name on the wire, and `extra`:
/// the members without a field of their own, as they came.
///
/// - With the `serde` feature it derives `Serialize` and `Deserialize` with the wire names: a
///   missing member is `None`, `None` is left out, `extra` is flattened into the object.
/// - [`Wire`] reads leniently and loses nothing: a member with a field goes to that field when
///   it has the field's type, and to `extra` otherwise; `null` and `undefined` are absent.
/// - `WIRE_NAMES` lists the wire names.
macro_rules! wire_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$field_meta:meta])* pub $field:ident: $ty:ty = $wire:literal,)*
        }
        $(#[$extra_meta:meta])*
        extra
    ) => {
        $(#[$meta])*
        #[cfg_attr(
            feature = "serde",
            derive(::serde::Serialize, ::serde::Deserialize),
            serde(default)
        )]
        pub struct $name {
            $(
                $(#[$field_meta])*
                #[cfg_attr(
                    feature = "serde",
                    serde(rename = $wire, skip_serializing_if = "Option::is_none")
                )]
                pub $field: $ty,
            )*
            $(#[$extra_meta])*
            #[cfg_attr(feature = "serde", serde(flatten))]
            pub extra: ::std::collections::BTreeMap<String, $crate::rust::Value>,
        }

        impl $name {
            /// The members with a field of their own, as named on the wire.
            #[allow(dead_code)] // Read by the tests.
            pub(crate) const WIRE_NAMES: &'static [&'static str] = &[$($wire,)*];
        }

        impl $crate::rust::wire_struct::Wire for $name {
            fn read(v: &::wasm_bindgen::JsValue, depth: usize) -> Option<Self> {
                use $crate::rust::wire_struct::{is_object, members, Wire};
                if !is_object(v) || depth >= $crate::core::hooks::MAX_DEPTH {
                    return None;
                }
                let mut out = $name::default();
                for (key, value) in members(v) {
                    let taken = match key.as_str() {
                        $($wire => Wire::read(&value, depth + 1).map(|x| out.$field = Some(x)),)*
                        _ => None,
                    };
                    if taken.is_none() {
                        if let Some(x) = $crate::rust::Value::read(&value, depth + 1) {
                            out.extra.insert(key, x);
                        }
                    }
                }
                Some(out)
            }
            fn write(&self) -> ::wasm_bindgen::JsValue {
                use $crate::rust::wire_struct::Wire;
                use $crate::shell::js::set;
                let out: ::wasm_bindgen::JsValue = ::js_sys::Object::new().into();
                for (key, value) in &self.extra {
                    set(&out, key, &Wire::write(value));
                }
                $(if let Some(x) = &self.$field {
                    set(&out, $wire, &Wire::write(x));
                })*
                out
            }
        }
    };
}
pub(super) use wire_struct;
