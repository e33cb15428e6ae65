//! Errors of the builder.

use std::fmt;

/// One problem in a recorded op, naming the op and its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// The op and its object, e.g. `create_table users`.
    pub op: String,
    /// What is wrong and how to fix it.
    pub problem: String,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.op, self.problem)
    }
}

/// Every problem found in a migration's ops.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct BuildErrors(pub Vec<BuildError>);

impl BuildErrors {
    pub(crate) fn push(&mut self, op: impl Into<String>, problem: impl Into<String>) {
        self.0.push(BuildError { op: op.into(), problem: problem.into() });
    }
}

impl fmt::Display for BuildErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}
