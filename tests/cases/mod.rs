mod classes;
mod config;
mod connect;
mod gates;
mod tls;
mod waiting;
