
mod sim_util;
mod sim_oauth;
mod sim_directory;
mod sim_conformance;
mod sim_cli;
mod sim_search;
