mod classes;
mod config;
mod connect;
mod waiting;
