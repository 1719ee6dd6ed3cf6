mod classes;
mod config;
mod connect;
mod doctor;
mod gates;
mod termination;
mod tls;
mod waiting;
