
mod sim_util;
mod sim_oauth;
mod sim_directory;
mod sim_conformance;
mod sim_cli;
mod sim_search;
mod google_util;
mod google_paging;
mod google_auth;
mod google_retry;
mod google_partition;
mod google_check;
mod store_inventory;
mod store_journal;
mod store_schema;
mod cli_export;
mod bad_input;
