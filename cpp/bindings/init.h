// One init function per binding area, assembled into storewire._native by module.cpp
// (Sector: into storewire._native_sector by sector_module.cpp).
#pragma once

#include <pybind11/pybind11.h>

void init_http(pybind11::module_& m);
void init_auth(pybind11::module_& m);
void init_xml(pybind11::module_& m);
void init_ds3(pybind11::module_& m);
void init_sector(pybind11::module_& m);
void init_v3io(pybind11::module_& m);
