mod classes;
mod config;
mod connect;
mod doctor;
mod gates;
mod tls;
mod waiting;
