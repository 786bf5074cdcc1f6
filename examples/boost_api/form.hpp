// form.hpp: which form of an example program to run: with its bug, or fixed.
#pragma once

namespace examples::boost_api {

enum class Form { leaky, fixed };

}  // namespace examples::boost_api
