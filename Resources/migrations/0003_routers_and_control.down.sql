DROP TABLE IF EXISTS switchyard_control_log;
DROP TABLE IF EXISTS switchyard_control;
DROP TABLE IF EXISTS switchyard_routers;
