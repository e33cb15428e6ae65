//! Builder state behind pointers that debug info names without describing.
//!
//! The builders are what a migration's code touches, and every function with one in a parameter or a
//! local carries a description of its type, and of every type inside it, in its debug info. A crate
//! of 500 migrations is compiled as 256 codegen units, each describing them again; an [`Op`] reaches
//! most of this crate's types (about 190 structs and enums). So the builders hold their ops, columns,
//! constraints and index definitions behind a `dyn` pointer, whose pointee debug info does not
//! describe. Each wrapper is a concrete type: a generic one would describe its type parameter. The
//! trait objects carry the auto traits the values have, so the builders stay `Send`, `Sync` and
//! unwind-safe as before.
//! Measured on the benchmark's 500-migration crate: a median codegen unit's `.debug_info` went from
//! 8.2 to 1.9 KB (188 to 38 structs), and a rebuild after adding a migration, which regenerates
//! nearly every unit, from 1.72 to 1.53 s.

use std::panic::{RefUnwindSafe, UnwindSafe};

use crate::op::{ConstraintDef, IndexDef, Op};

use super::column::ColumnEntry;

/// Access to a value through a trait object.
pub(crate) trait Access<T> {
    fn get(&self) -> &T;
    fn get_mut(&mut self) -> &mut T;
    fn into_inner(self: Box<Self>) -> T;
}

impl<T> Access<T> for T {
    fn get(&self) -> &T {
        self
    }
    fn get_mut(&mut self) -> &mut T {
        self
    }
    fn into_inner(self: Box<Self>) -> T {
        *self
    }
}

/// An owned value of type `$t`, boxed.
macro_rules! hidden_box {
    ($name:ident: $t:ty) => {
        pub(crate) struct $name(Box<dyn Access<$t> + Send + Sync + UnwindSafe + RefUnwindSafe>);

        impl $name {
            pub(crate) fn new(value: $t) -> Self {
                $name(Box::new(value))
            }
            #[allow(dead_code, reason = "not every wrapper gives its value back")]
            pub(crate) fn into_inner(self) -> $t {
                self.0.into_inner()
            }
        }

        impl std::ops::Deref for $name {
            type Target = $t;
            fn deref(&self) -> &$t {
                (*self.0).get()
            }
        }

        impl std::ops::DerefMut for $name {
            fn deref_mut(&mut self) -> &mut $t {
                (*self.0).get_mut()
            }
        }
    };
}

/// A mutable borrow of a `$t`.
macro_rules! hidden_mut {
    ($name:ident: $t:ty) => {
        pub(crate) struct $name<'a>(&'a mut (dyn Access<$t> + Send + Sync + RefUnwindSafe));

        impl<'a> $name<'a> {
            pub(crate) fn new(value: &'a mut $t) -> Self {
                $name(value)
            }
        }

        impl std::ops::Deref for $name<'_> {
            type Target = $t;
            fn deref(&self) -> &$t {
                (*self.0).get()
            }
        }

        impl std::ops::DerefMut for $name<'_> {
            fn deref_mut(&mut self) -> &mut $t {
                (*self.0).get_mut()
            }
        }
    };
}

hidden_box!(Ops: Vec<Op>);
hidden_box!(Columns: Vec<ColumnEntry>);
hidden_box!(Constraints: Vec<ConstraintDef>);
hidden_box!(Index: IndexDef);
hidden_mut!(OpsMut: Vec<Op>);
hidden_mut!(OpMut: Op);
hidden_mut!(ColumnMut: ColumnEntry);
hidden_mut!(ConstraintMut: ConstraintDef);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_keep_their_auto_traits() {
        fn owned<T: Send + Sync + UnwindSafe + RefUnwindSafe>() {}
        fn borrowed<T: Send + Sync + RefUnwindSafe>() {}
        fn unsized_borrowed<T: ?Sized + Send + Sync + UnwindSafe + RefUnwindSafe>() {}
        use crate::schema::mode::{DerivedDown, ExplicitDown, Irreversible, WithDown};
        owned::<crate::Schema<DerivedDown>>();
        owned::<crate::Schema<WithDown>>();
        owned::<crate::Schema<Irreversible>>();
        unsized_borrowed::<crate::Schema<ExplicitDown>>();
        owned::<crate::schema::CreateTable>();
        owned::<crate::schema::AlterTable<DerivedDown>>();
        borrowed::<crate::schema::ColumnBuilder<'static, crate::types::Text>>();
        borrowed::<crate::schema::IndexBuilder<'static>>();
        borrowed::<crate::schema::TableConstraint<'static>>();
        borrowed::<crate::schema::RawSql<'static>>();
        borrowed::<crate::schema::DropIndex<'static>>();
        owned::<crate::registry::MigrationDef>();
    }

    #[test]
    fn wrappers_reach_and_give_back_their_value() {
        let mut ops = Ops::new(Vec::new());
        ops.push(Op::CreateSchema { name: "a".into() });
        OpMut::new(&mut ops[0]).clone_from(&Op::CreateSchema { name: "b".into() });
        OpsMut::new(&mut ops).push(Op::CreateSchema { name: "c".into() });
        let names: Vec<String> = ops
            .into_inner()
            .into_iter()
            .map(|op| match op {
                Op::CreateSchema { name } => name,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(names, ["b", "c"]);
    }
}
