"""The JSON Schemas of the tap's streams, shipped as package data of tap_intercom."""
