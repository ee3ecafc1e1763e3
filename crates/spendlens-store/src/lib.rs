//! spendlens embedded store: a Hive-partitioned Parquet lake queried with DataFusion.
