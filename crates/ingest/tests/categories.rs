//! A Parquet file of categorical row groups written by another process
//! reads as one frame, however often and on however many threads, once
//! the process holds its categories (`schema::hold_categories`; without
//! it this test fails within its first reads).

use payrun_ingest::schema::hold_categories;
use polars::prelude::*;

/// A Parquet file of `groups` row groups of a categorical column.
fn file(groups: usize) -> Vec<u8> {
    // The global categories as another process's file names them, before
    // this process has made them its own.
    let dtype = DataType::from_categories(Categories::new(
        "".into(),
        "".into(),
        CategoricalPhysical::U32,
    ));
    let mut bytes = Vec::new();
    let schema = Schema::from_iter([Field::new("job".into(), dtype.clone())]);
    let mut writer = ParquetWriter::new(&mut bytes).batched(&schema).unwrap();
    for g in 0..groups {
        let names: Vec<String> = (0..50)
            .map(|i| format!("job {}", (g * 7 + i) % 23))
            .collect();
        let column = Column::new("job".into(), names).cast(&dtype).unwrap();
        writer
            .write_batch(&DataFrame::new(50, vec![column]).unwrap())
            .unwrap();
    }
    writer.finish().unwrap();
    bytes
}

#[test]
fn categorical_row_groups_stack_once_the_categories_are_held() {
    let bytes = file(40);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..300 {
                    hold_categories();
                    let frame = ParquetReader::new(std::io::Cursor::new(&bytes))
                        .finish()
                        .expect("the row groups stack");
                    assert_eq!(frame.height(), 2000);
                }
            });
        }
    });
}
