mod m20240101000000_fill {
    use migrate_core::prelude::*;

    fn fill<'a>(tx: &'a Transaction<'a>) -> DataFuture<'a> {
        Box::pin(async move {
            tx.execute("UPDATE users SET name = email", &[]).await?;
            Ok(())
        })
    }

    #[migration]
    pub fn up(s: &mut Schema) {
        s.data_step("fill names", fill);
    }
}

fn main() {}
