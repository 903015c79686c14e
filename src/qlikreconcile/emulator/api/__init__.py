"""Qlik Cloud's surface: the REST routes per service, the engine websocket, and the request
and response helpers they share (endpoint pipeline, error bodies, pagination, rendering)."""
