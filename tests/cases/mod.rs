mod classes;
mod config;
mod connect;
mod tls;
mod waiting;
