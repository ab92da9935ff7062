from django.contrib.auth.views import LogoutView
from django.urls import include, path

from tests.oidc_provider import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(next_page="/"), name="logout"),
    # Ahead of DOT's own route at the same path, which `oauth2_provider:authorize` still reverses to.
    path("o/authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("o/", include("oauth2_provider.urls")),
    path("control/users", views.users),
    path("control/users/deactivate", views.deactivate),
    path("control/fault", views.fault),
    path("control/rotate", views.rotate),
    path("control/logout-token", views.logout_token),
    path("control/backchannel-logout", views.backchannel_logout),
]
